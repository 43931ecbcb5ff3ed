// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.6.0;

/// @title ClubToken
/// @notice Minimal ERC-20. `approve` overwrites an existing allowance in place, so a
///         spender who sees the change pending can front-run it and spend both the
///         old and the new allowance.
contract ClubToken {
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
        allowance[msg.sender][spender] = value; // SWC-114
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance exceeded");
        allowance[from][msg.sender] = allowed - value;
        _transfer(from, to, value);
        return true;
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
