// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

import {Ownable} from "@lib/Ownable.sol";

/// @title Bank
/// @notice Customer ether accounts with an owner-controlled pause. `withdraw`
///         pays out before it updates the account, so it can be re-entered.
contract Bank is Ownable {
    mapping(address => uint256) public accounts;
    bool public paused;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    function setPaused(bool value) external onlyOwner {
        paused = value;
    }

    function deposit() external payable {
        require(!paused, "paused");
        accounts[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) external {
        require(!paused, "paused");
        uint256 balance = accounts[msg.sender];
        require(amount <= balance, "insufficient balance");
        (bool ok, ) = msg.sender.call{value: amount}(""); // SWC-107
        require(ok, "transfer failed");
        accounts[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, amount);
    }
}
