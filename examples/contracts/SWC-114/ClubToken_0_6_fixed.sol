// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.6.0;

/// @title ClubTokenFixed
/// @notice Minimal ERC-20. A non-zero allowance can only be set from zero, and
///         relative changes go through increaseAllowance/decreaseAllowance, so a
///         pending change can no longer be front-run into a double spend.
contract ClubTokenFixed {
    string public constant name = "Club Token";
    string public constant symbol = "CLUB";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint256 supply) public {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        require(value == 0 || allowance[msg.sender][spender] == 0, "reset allowance to zero first");
        _approve(msg.sender, spender, value);
        return true;
    }

    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        uint256 current = allowance[msg.sender][spender];
        require(current + added >= current, "overflow");
        _approve(msg.sender, spender, current + added);
        return true;
    }

    function decreaseAllowance(address spender, uint256 subtracted) external returns (bool) {
        uint256 current = allowance[msg.sender][spender];
        require(current >= subtracted, "allowance below zero");
        _approve(msg.sender, spender, current - subtracted);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance exceeded");
        allowance[from][msg.sender] = allowed - value;
        _transfer(from, to, value);
        return true;
    }

    function _approve(address owner, address spender, uint256 value) internal {
        allowance[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "zero address");
        uint256 fromBalance = balanceOf[from];
        require(fromBalance >= value, "balance too low");
        balanceOf[from] = fromBalance - value;
        uint256 toBalance = balanceOf[to] + value;
        require(toBalance >= value, "overflow");
        balanceOf[to] = toBalance;
        emit Transfer(from, to, value);
    }
}
